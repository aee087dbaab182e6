import pytest
import torch

from mmrtseg.models.layers import SqueezeExcitation


def test_gates_channels_by_global_context():
    se = SqueezeExcitation(8, 3).eval()
    assert se.conv1.conv.out_channels == 3 and se.conv1.conv.bias is not None
    assert se.conv1.norm_cfg is None
    x = torch.randn(2, 8, 5, 7)
    with torch.no_grad():
        gate = torch.sigmoid(
            se.conv2.conv(torch.relu(se.conv1.conv(x.mean((2, 3),
                                                          keepdim=True)))))
        assert torch.allclose(se(x), x * gate, atol=1e-6)


def test_with_norm_and_other_activations():
    se = SqueezeExcitation(
        8, 4, bias='auto', norm_cfg=dict(type='BN'),
        act_cfg=(dict(type='ReLU6'), dict(type='HSigmoid')))
    assert se.conv1.conv.bias is None and se.conv1.with_norm
    assert se(torch.randn(2, 8, 3, 3)).shape == (2, 8, 3, 3)


@pytest.mark.parametrize('kwargs,match', [
    (dict(channels=8, squeeze_channels=0), 'squeeze_channels'),
    (dict(channels=8.0, squeeze_channels=2), 'channels'),
    (dict(channels=8, squeeze_channels=2, act_cfg=dict(type='ReLU')),
     'pair'),
])
def test_rejects_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SqueezeExcitation(**kwargs)
