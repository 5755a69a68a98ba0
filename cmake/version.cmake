# Writes the header that says which xperf this is (cmake -P, at every build):
#   #define XPERF_VERSION "0.1.0-g6883230-dirty"
# from `git describe --tags --dirty --always` where SRC is a git tree, with
# PROJECT_VERSION and -g in front of a bare commit id (no tag yet) and a
# tag's leading v dropped; PROJECT_VERSION alone elsewhere (a tarball).
# The header is rewritten only when the string changes, so that a build
# after a new commit recompiles the one file that includes it, and a build
# with nothing new recompiles nothing.
#
# SRC: the top of the tree; OUT: the header; PROJECT_VERSION: the fallback.
foreach(var SRC OUT PROJECT_VERSION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "version.cmake: set ${var} (cmake -DSRC=.. -DOUT=.. "
                        "-DPROJECT_VERSION=.. -P version.cmake)")
  endif()
endforeach()

set(version ${PROJECT_VERSION})
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS ${SRC}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SRC} describe --tags --dirty --always
                  OUTPUT_VARIABLE described OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE status ERROR_QUIET)
  if(status EQUAL 0 AND described MATCHES "^[0-9a-f]+(-dirty)?$")
    set(version ${PROJECT_VERSION}-g${described})
  elseif(status EQUAL 0 AND described MATCHES "^v?([0-9].*)$")
    set(version ${CMAKE_MATCH_1})
  elseif(status EQUAL 0 AND NOT described STREQUAL "")
    set(version ${described})
  endif()
endif()

file(WRITE ${OUT}.new "#define XPERF_VERSION \"${version}\"\n")
file(COPY_FILE ${OUT}.new ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.new)
