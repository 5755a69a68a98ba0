# cmake -DINPUT=payload.bin -DOUTPUT=payload_image.cpp -P embed.cmake
# Writes the image as a byte array that userland/lib/vmexit/payload.h declares.
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR size "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" bytes "${bytes}")
file(WRITE ${OUTPUT}
  "// Generated from guest/ by embed.cmake: the VM-exit payload image.\n"
  "#include <cstddef>\n"
  "extern \"C\" const unsigned char xperf_vmexit_payload[] = {\n${bytes}\n};\n"
  "extern \"C\" const std::size_t xperf_vmexit_payload_size = ${size};\n")
