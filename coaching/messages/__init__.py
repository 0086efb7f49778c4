"""Messages: views of domain findings -> Jinja2 templates (`templates/`) -> Apprise delivery.

`views` builds what templates show, `render` turns views into `RenderedMessage`s, `notifier`
delivers them; the outbox (exactly-once delivery) sits on top of `notifier`.
"""
