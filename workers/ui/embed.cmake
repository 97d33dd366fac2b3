# SPDX-License-Identifier: MIT
# Writes OUT, a C file holding the files of IN_DIR named in FILES as
# gale__ui_assets (workers/ui_assets.h); FILES is a comma-separated list.
# Run with cmake -P at build time.
string(REPLACE "," ";" FILES "${FILES}")
set(body "")
set(table "")
set(i 0)
foreach(name ${FILES})
  file(READ ${IN_DIR}/${name} hex HEX)
  string(LENGTH "${hex}" nhex)
  math(EXPR len "${nhex} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "static const unsigned char asset_${i}[] = {${bytes}0};\n")
  string(APPEND table "\t{ \"${name}\", asset_${i}, ${len} },\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE ${OUT}.tmp
  "// Generated from workers/ui/ by workers/ui/embed.cmake; do not edit.\n"
  "#include \"workers/ui_assets.h\"\n${body}"
  "const gale_ui_asset gale__ui_assets[] = {\n${table}\t{ NULL, NULL, 0 },\n};\n")
file(RENAME ${OUT}.tmp ${OUT})
