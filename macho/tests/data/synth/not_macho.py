"""synth-not-macho: a six-byte text file ("hello\\n"): not an object file of
any kind, for the tools' "not an object file" paths.

usage: not_macho.py OUTPUT
"""
from machogen import main


def build():
    return b'hello\n'


if __name__ == '__main__':
    main(build, '')
