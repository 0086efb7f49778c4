"""Local delivery sinks: a real SMTP server and a real HTTP push receiver on 127.0.0.1.

The demo and the tests deliver through Apprise into these, so what a runner would receive can be
read from disk (`DIR/mail/*.eml`, `DIR/push/*.json`) without any account anywhere.
"""

from coaching.sinks.push_sink import PushSink, ReceivedPush
from coaching.sinks.smtp_sink import ReceivedMail, SmtpSink

__all__ = ["PushSink", "ReceivedPush", "SmtpSink", "ReceivedMail"]
