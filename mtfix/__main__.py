from mtfix.cli.entry import run

run()
