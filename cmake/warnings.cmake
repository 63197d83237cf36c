# Warnings for hl2tp's own targets (not for third-party headers, which come in as SYSTEM).
add_library(hl2tp_warnings INTERFACE)
target_compile_options(hl2tp_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
  -Wimplicit-fallthrough)
if(HL2TP_WERROR)
  target_compile_options(hl2tp_warnings INTERFACE -Werror)
endif()
