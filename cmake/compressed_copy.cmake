# hl2tp_compressed_copy(<input> <output>): <output> is <input> compressed the way Debian ships
# manual pages and changelogs: gzip -9, without the file's name and time stamp (-n), so that two
# builds of one source give the same bytes.
function(hl2tp_compressed_copy input output)
  add_custom_command(OUTPUT ${output}
                     COMMAND sh -c "gzip -9n -c \"$1\" > \"$2\"" sh ${input} ${output}
                     DEPENDS ${input}
                     COMMENT "Compressing ${input}"
                     VERBATIM)
endfunction()
