file(READ ${INPUT} CONTENT)
file(WRITE ${OUTPUT} "R\"json(${CONTENT})json\"\n")
