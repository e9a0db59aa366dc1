from celery import shared_task


@shared_task(ignore_result=True)
def forget_kept_pages() -> int:
    """Delete portal pages kept past their time (they may hold personal data); see members/pagecache.py."""
    from .pagecache import forget

    return forget()
