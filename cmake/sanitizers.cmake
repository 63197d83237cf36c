# HL2TP_SANITIZE: the whole build (our code and the tests) runs under ASan and UBSan; any report
# aborts the test that caused it.
if(HL2TP_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
