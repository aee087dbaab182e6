import pytest
import torch
import torch.nn as nn

from mmrtseg.models.layers import check_backbone_input, check_per_stage


class Net(nn.Module):
    pass


def test_accepts_matching_inputs():
    check_backbone_input(Net(), torch.zeros(1, 3, 16, 24), 3, 8)


def test_names_the_module_and_the_problem():
    with pytest.raises(ValueError, match=r'Net expects inputs of shape '
                       r'N x 3 x H x W, got \(1, 4, 16, 24\)'):
        check_backbone_input(Net(), torch.zeros(1, 4, 16, 24), 3, 8)
    with pytest.raises(ValueError, match='N x 3 x H x W'):
        check_backbone_input(Net(), torch.zeros(3, 16, 24), 3, 8)
    with pytest.raises(ValueError, match=r'divisible by 8.*got 20x24.*'
                       r'test_cfg=dict\(size_divisor=8\)'):
        check_backbone_input(Net(), torch.zeros(1, 3, 20, 24), 3, 8)


def test_per_stage_arguments():
    check_per_stage('Net', 'encoder stage', 'channels', (16, 32),
                    drop_rates=(0., 0.1), blocks=((), (1, )))
    with pytest.raises(ValueError, match=r'Net: blocks needs one entry per '
                       r'encoder stage \(channels=\(16, 32\)\), got \(1,\)'):
        check_per_stage('Net', 'encoder stage', 'channels', [16, 32],
                        drop_rates=(0., 0.1), blocks=(1, ))
