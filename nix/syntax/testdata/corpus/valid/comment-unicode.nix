# ünïcödé ☃ 日本語 🎉
/* ümlaut — dash */
"ok"
