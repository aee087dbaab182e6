"""Map a function over tasks with a progress bar, in processes or not."""
from mmengine.utils import track_parallel_progress, track_progress


def map_with_progress(func, tasks, workers=1):
    """``[func(t) for t in tasks]`` with mmengine's progress bar, in a pool
    of ``workers`` processes when ``workers > 1`` (results keep the order of
    ``tasks``). Used by the dataset tools that work image by image.

    Args:
        func (callable): A picklable function of one task.
        tasks (list): The tasks.
        workers (int): Processes. Default: 1 (this process).

    Returns:
        list: The results, in the order of ``tasks``.
    """
    if workers > 1:
        return track_parallel_progress(func, tasks, nproc=workers)
    return track_progress(func, tasks)
