/*
 * The VM-exit table as the guest payload and xperf.ko compile it: in C,
 * the rows through XPERF_VMEXIT_ROW and the text they show of it through
 * XPERF_VMEXIT_ROW_TEXT, for vmexit_table_test.cpp to hold against the
 * C++ table.
 */
#include <xperf/abi.h>

const struct xperf_vmexit_row xperf_c_vmexit_rows[XPERF_VMEXIT_KINDS] = {
#define XPERF_VMEXIT_KIND XPERF_VMEXIT_ROW
#include <xperf/abi.h>
#undef XPERF_VMEXIT_KIND
};

const char xperf_c_vmexit_text[] =
#define XPERF_VMEXIT_KIND XPERF_VMEXIT_ROW_TEXT
#include <xperf/abi.h>
#undef XPERF_VMEXIT_KIND
	;

const char *const xperf_c_from_names[XPERF_FROMS] = {
#define XPERF_VMEXIT_FROM(id, name) [XPERF_FROM_##id] = name,
#include <xperf/abi.h>
#undef XPERF_VMEXIT_FROM
};
