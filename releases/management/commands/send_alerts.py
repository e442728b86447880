"""Mail each confirmed subscriber the new releases on their list, once.

python manage.py send_alerts    (run it from cron, every few minutes)
"""

import smtplib

from django.core.management.base import BaseCommand, CommandError

from releases.models import Subscription
from releases.search import updating
from releases.subscriptions.alerts import ListNoLongerValid, send_alert


class Command(BaseCommand):
    help = "Email each confirmed subscription the releases new on its list since the last run."

    def handle(self, *args, **options):
        # Searches answer from an index still catching up; alerts must not
        # miss what it has not yet taken in, so this run waits for it.
        updating.bring_up_to_date()
        mailed = releases = failed = skipped = 0
        confirmed = Subscription.objects.filter(confirmed_at__isnull=False).select_related(
            "category"
        )
        for subscription in confirmed.iterator():
            try:
                count = send_alert(subscription)
            except (smtplib.SMTPException, OSError) as exc:
                failed += 1
                self.stderr.write(f"{subscription.email}: not sent, will retry next run: {exc}")
                continue
            except ListNoLongerValid as exc:
                # Staff must mend or remove it: every run skips it until then.
                skipped += 1
                self.stderr.write(
                    f"{subscription.email}: subscription {subscription.pk} skipped, "
                    f"its list is no longer valid: {exc}"
                )
                continue
            mailed += bool(count)
            releases += count
        self.stdout.write(f"Mailed {mailed} subscriber(s) about {releases} release(s).")
        problems = [f"{failed} alert(s) could not be sent"] if failed else []
        if skipped:
            problems.append(f"{skipped} subscription(s) skipped, their lists no longer valid")
        if problems:
            raise CommandError("; ".join(problems))
