"""CLI commands (``flask --app wsgi ...``); they call the same services as the web."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from eventapp.commands.keys import create_signing_key

    app.cli.add_command(create_signing_key)

    from eventapp.commands.demo import demo_data_command
    from eventapp.commands.events import cancel_event_command, update_event_command

    app.cli.add_command(demo_data_command)
    app.cli.add_command(update_event_command)
    app.cli.add_command(cancel_event_command)

    from eventapp.commands.mail import requeue_mail_command
    from eventapp.commands.worker import worker_command

    app.cli.add_command(worker_command)
    app.cli.add_command(requeue_mail_command)

    from eventapp.commands.users import create_user_command

    app.cli.add_command(create_user_command)

    from eventapp.commands.checkin import create_checkin_token_command

    app.cli.add_command(create_checkin_token_command)
