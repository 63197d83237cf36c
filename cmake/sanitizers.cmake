# HL2TP_SANITIZE: the whole build (our code and the tests) runs under ASan and UBSan; any report
# aborts the test that caused it. The core's assertions are checked there too: a release build
# (RelWithDebInfo) defines NDEBUG, and without this no test, fuzzer or e2e run would ever evaluate
# them.
if(HL2TP_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer -UNDEBUG)
  add_link_options(-fsanitize=address,undefined)
endif()
