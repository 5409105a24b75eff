# Attack 13, the feedback page: a last cell writes into its own feedback page every way a notebook
# can: an HTML display holding a <script>, an onerror handler, a javascript: link, an iframe, a
# <style> that hides the grader's summary and a fixed box saying "Score: 100 / 100"; the same as a
# Markdown display; a JavaScript output; a widget view; an SVG picture holding a script.
# Why: full marks: the honest equivalent is the solution; the feedback page keeps only plain markup
#   of what a student wrote (the rest shows as text) and leaves JavaScript and widgets out, so none
#   of it runs in the browser of whoever opens the page, and the grader's summary stays on top.
# ruff: noqa
# fmt: off
### AFTER em_plot
# --- attack: code and styles in the feedback page ---
from IPython.display import HTML, Javascript, Markdown, SVG, display

_page = (
    "<script>document.title = 'ATTACK-XSS script'</script>"
    "<img src='x.png' onerror=\"document.title = 'ATTACK-XSS onerror'\">"
    "<a href=\"javascript:document.title = 'ATTACK-XSS link'\">see my answer</a>"
    "<iframe src='https://example.org/ATTACK-XSS'></iframe>"
    "<style>#lab3-summary, .panel-heading { display: none } /* ATTACK-XSS */</style>"
    "<div style='position: fixed; top: 0; left: 0; background: white'>Score: 100 / 100</div>"
)
display(HTML(_page))
display(Markdown(_page))
display(Javascript("document.title = 'ATTACK-XSS javascript'"))
display({"application/vnd.jupyter.widget-view+json": {"model_id": "ATTACK-XSS", "version_major": 2,
         "version_minor": 0}, "text/plain": "a widget"}, raw=True)
display(SVG("<svg xmlns='http://www.w3.org/2000/svg'><script>document.title = 'ATTACK-XSS svg'"
            "</script></svg>"))
print("ATTACK feedback_script: displayed")
