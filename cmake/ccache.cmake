# Compile through ccache where it is installed (scripts/install-deps.sh
# installs it), so that a fresh clone on a machine that built the tree before
# reuses what was compiled: the cache is ccache's own (~/.cache/ccache), not
# in the tree. Paths below the top of the tree are hashed relative to it
# (CCACHE_BASEDIR) and the working directory is left out of the hash, so two
# clones share every object whose command line names no absolute path; the
# debug information names the sources relative to the top (-ffile-prefix-map).
# Nothing depends on the cache: without ccache, or with -DXPERF_CCACHE=OFF,
# or with a cold cache, the same objects are compiled.
#
# XPERF_TOP: the top of the xperf tree.
option(XPERF_CCACHE "Compile through ccache where it is installed" ON)
if(XPERF_CCACHE)
  find_program(XPERF_CCACHE_PROGRAM ccache)
  # ccache needs a home for its cache: without one, compile directly.
  if(XPERF_CCACHE_PROGRAM AND (DEFINED ENV{HOME} OR DEFINED ENV{CCACHE_DIR}
                               OR DEFINED ENV{XDG_CACHE_HOME}))
    set(xperf_launcher ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${XPERF_TOP}
        CCACHE_NOHASHDIR=1 ${XPERF_CCACHE_PROGRAM})
    set(CMAKE_C_COMPILER_LAUNCHER ${xperf_launcher})
    set(CMAKE_CXX_COMPILER_LAUNCHER ${xperf_launcher})
  endif()
endif()
add_compile_options(-ffile-prefix-map=${XPERF_TOP}/=)
