"""Task utilities of the instance segmentors (registered in
``mmrtseg.registry.TASK_UTILS``)."""
from .coders import *  # noqa: F401,F403
