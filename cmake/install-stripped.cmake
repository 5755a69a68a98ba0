# Run by cmake --install (install(CODE) in the top CMakeLists.txt): installs
# a program stripped, its debug information kept apart in
# PREFIX/lib/debug/PREFIX/bin/NAME.debug, compressed. The stripped program
# names that file in its .gnu_debuglink; gdb finds it there when PREFIX is
# /usr (its debug-file-directory), elsewhere with set debug-file-directory
# PREFIX/lib/debug. The build tree keeps the unstripped program.
#
# In: XPERF_PROGRAM (the built program), XPERF_BINDIR (relative to the
# prefix), XPERF_OBJCOPY; CMAKE_INSTALL_PREFIX and DESTDIR as cmake --install
# sets them.

get_filename_component(name "${XPERF_PROGRAM}" NAME)
set(bin_dir "${CMAKE_INSTALL_PREFIX}/${XPERF_BINDIR}")
set(debug_dir "${CMAKE_INSTALL_PREFIX}/lib/debug${bin_dir}")
set(program "$ENV{DESTDIR}${bin_dir}/${name}")
set(debug "$ENV{DESTDIR}${debug_dir}/${name}.debug")

function(xperf_objcopy)
  execute_process(COMMAND "${XPERF_OBJCOPY}" ${ARGN} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "objcopy ${ARGN}: ${status}")
  endif()
endfunction()

message(STATUS "Installing: ${program} (stripped)")
message(STATUS "Installing: ${debug}")
get_filename_component(debug_parent "${debug}" DIRECTORY)
file(MAKE_DIRECTORY "$ENV{DESTDIR}${bin_dir}" "${debug_parent}")
xperf_objcopy(--only-keep-debug --compress-debug-sections=zlib "${XPERF_PROGRAM}" "${debug}")
# Written beside and renamed, so that a running xperf-user is never
# rewritten in place.
xperf_objcopy(--strip-all "--add-gnu-debuglink=${debug}" "${XPERF_PROGRAM}" "${program}.new")
file(CHMOD "${program}.new" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
     GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
file(CHMOD "${debug}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(RENAME "${program}.new" "${program}")
# The manifest names files without DESTDIR, as cmake --install's own.
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${bin_dir}/${name}" "${debug_dir}/${name}.debug")
