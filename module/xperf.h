/* SPDX-License-Identifier: GPL-2.0 */
/* xperf.ko: what its parts share. */
#ifndef XPERF_MODULE_H
#define XPERF_MODULE_H

struct dentry;

/* vmexit.c: creates the vmexit file under @dir. */
void xperf_vmexit_init(struct dentry *dir);

#endif /* XPERF_MODULE_H */
