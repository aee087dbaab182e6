from setuptools import find_packages, setup


def readme():
    with open('README.md', encoding='utf-8') as f:
        return f.read()


def version():
    scope = {}
    with open('mmrtseg/version.py', encoding='utf-8') as f:
        exec(f.read(), scope)
    return scope['__version__']


def requirements(path):
    with open(path, encoding='utf-8') as f:
        return [
            line.strip() for line in f
            if line.strip() and not line.startswith('#')
        ]


setup(
    name='mmrtseg',
    version=version(),
    description='Real-time semantic and instance segmentation on '
    'MMEngine, MMCV, MMSegmentation and MMDetection',
    long_description=readme(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=('mmrtseg', 'mmrtseg.*')),
    python_requires='>=3.8',
    install_requires=requirements('requirements/runtime.txt'),
    extras_require={'tests': requirements('requirements/tests.txt')},
    license='Apache License 2.0',
    zip_safe=False,
)
