_base_ = './schedule_200e.py'
max_epochs = 800
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=0.01,
        total_steps=max_epochs,
        pct_start=3 / max_epochs,
        anneal_strategy='cos',
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=20)
default_hooks = dict(checkpoint=dict(interval=20))
