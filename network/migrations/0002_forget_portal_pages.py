from django.core.cache import caches
from django.db import migrations


def forget_kept_pages(apps, schema_editor):
    # Releases before this one kept each reader's portal pages (private HTML with personal data) in the default
    # cache; nothing reads them any more, so they go now rather than whenever the cache culls them. Clearing also
    # forgets the sign-in rate limits, which only costs a locked-out visitor their wait.
    caches["default"].clear()


class Migration(migrations.Migration):
    dependencies = [("network", "0001_cache_table")]
    operations = [migrations.RunPython(forget_kept_pages, migrations.RunPython.noop)]
