from .one_cycle_lr import OneCycleLR

__all__ = ['OneCycleLR']
