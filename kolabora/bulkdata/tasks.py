"""Background work for imports: one task per run of a job (``services.import_job_run``), and the
sweep that resumes imports whose worker died."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def run_import(job_id: int) -> int:
    """Import the job's file from its checkpoint on; returns the rows done so far."""
    return services.import_job_run(job_id=job_id).rows_done


@task()
def resume_stalled_imports() -> int:
    """Daily (or more often): queue again the imports whose worker stopped mid-way."""
    return services.imports_resume_stalled()
