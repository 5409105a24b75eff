# Attack 26, a javascript: link through nbconvert's files/ prefix: a markdown cell the student
# adds links to "files/javascript:..." and "/files/data:text/html,...". Cleaned, those are
# relative links and were kept; nbgrader's feedback template then strips "files/" after href=,
# and the page held <a href="javascript:..."> and <a href="data:text/html,...">: one click ran
# the student's script on the page (it could rewrite the summary). What the strip changes is
# now cleaned again, and the page's content security policy allows no script at all.
# Markdown: ## Extra figures
# Markdown: [Open my interactive K-Means figure](files/javascript:document.body.innerHTML='<h1>Summary:%20100%20/%20100%20points</h1>';alert(document.domain))
# Markdown: <a href="files/javascript:alert('ATTACK-XSS files prefix')">raw HTML link</a> and <a href="/files/data:text/html,<script>alert(1)</script>">a data: link</a>
# Why: full marks: the honest equivalent is the solution; the links on the page lose their address.
# ruff: noqa
# fmt: off
### AFTER em_plot
print("ATTACK feedback_files_prefix_link: graded")
