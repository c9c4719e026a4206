"""What a browser would send for a form of a page: every named field with its current value
(hidden inputs, text, checked radios and boxes, selected options, textareas), read from the HTML
with the standard library's parser. Fields outside the form that name it (`form="id"`) count."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = 0  # depth inside the wanted <form>
        self.fields = []  # [name, value] in document order
        self.textarea = None
        self.select = None

    def _ours(self, attrs):
        owner = attrs.get("form")
        return owner == self.form_id if owner else self.inside > 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if self.inside or attrs.get("id") == self.form_id:
                self.inside += 1
            return
        if tag == "input" and self._ours(attrs) and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("radio", "checkbox") and "checked" not in attrs:
                return
            default = "on" if kind in ("radio", "checkbox") else ""
            self.fields.append([attrs["name"], attrs.get("value", default)])
        elif tag == "textarea" and self._ours(attrs) and attrs.get("name"):
            self.textarea = [attrs["name"], ""]
            self.fields.append(self.textarea)
        elif tag == "select" and self._ours(attrs) and attrs.get("name"):
            self.select = {"name": attrs["name"], "first": None, "chosen": None}
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in attrs:
                self.select["chosen"] = value

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside -= 1
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select is not None:
            chosen = self.select["chosen"]
            if chosen is None:
                chosen = self.select["first"] or ""
            self.fields.append([self.select["name"], chosen])
            self.select = None

    def handle_data(self, data):
        if self.textarea is not None:
            # A browser drops the newline that directly follows <textarea>.
            if not self.textarea[1]:
                data = data.removeprefix("\r").removeprefix("\n")
            self.textarea[1] += data


def form_fields(html, form_id):
    """{name: value} of the form with that id (the last value of a repeated name)."""
    reader = _FormReader(form_id)
    reader.feed(html if isinstance(html, str) else html.decode())
    return {name: value for name, value in reader.fields}
