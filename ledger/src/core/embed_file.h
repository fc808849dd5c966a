// A file embedded into the library by the assembler at build time, so that
// nothing reads it at run time (the DOPA area list, the menu):
//
//   LEDGER_EMBED_FILE(ledger_areas_csv, LEDGER_AREAS_CSV_PATH)
//   std::string_view text(ledger_areas_csv_begin, ledger_areas_csv_end - ledger_areas_csv_begin);
//
// `path` is a string literal, set by ledger/CMakeLists.txt, which also makes
// the including file depend on it. A NUL byte follows the file's bytes.
#pragma once

#define LEDGER_EMBED_FILE(sym, path)                             \
  __asm__(".section .rodata\n"                                    \
          ".balign 16\n" #sym "_begin:\n"                         \
          ".incbin \"" path "\"\n" #sym "_end:\n"                 \
          ".byte 0\n"                                             \
          ".previous\n");                                         \
  extern "C" const char sym##_begin[];                            \
  extern "C" const char sym##_end[];
