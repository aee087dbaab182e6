import numpy as np
import pickle
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from mmrtseg.engine import allow_checkpoint_globals, checkpoint_safe_globals


def mmengine_like_checkpoint():
    hub = MessageHub.get_instance('test_checkpoint_hub')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/loss', np.float64(0.25))
    hub.update_scalar('train/iter', 3)
    hub.update_info('iter', 3)
    return {
        'meta': {'epoch': 1, 'iter': 3, 'seed': np.int64(7)},
        'state_dict': {'w': torch.ones(2)},
        'message_hub': hub.state_dict(),
        'optimizer': {'state': {}, 'param_groups': [{'lr': 0.01}]},
    }


def test_plain_weights_only_load_rejects_message_hub(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save(mmengine_like_checkpoint(), path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)


def test_allow_list_loads_mmengine_checkpoint(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save(mmengine_like_checkpoint(), path)
    with allow_checkpoint_globals():
        loaded = torch.load(path)  # weights_only stays at its default, True
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(0.375)
    assert loaded['meta']['seed'] == 7


def test_allow_list_is_exact_and_scoped(tmp_path):
    names = {getattr(g, '__name__', str(g)) for g in checkpoint_safe_globals()}
    assert names == {'HistoryBuffer', 'ndarray', 'dtype', 'getattr',
                     '_reconstruct', 'scalar', 'Float64DType', 'Int64DType'}
    path = tmp_path / 'ckpt.pth'
    torch.save(mmengine_like_checkpoint(), path)
    with allow_checkpoint_globals():
        torch.load(path)
    # outside the context the default unpickler refuses again
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)


class Arbitrary:
    pass


def test_other_classes_stay_refused(tmp_path):
    path = tmp_path / 'bad.pth'
    torch.save({'x': Arbitrary()}, path)
    with allow_checkpoint_globals(), pytest.raises(pickle.UnpicklingError):
        torch.load(path)
