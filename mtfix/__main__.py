from mtfix.cli import main

main()
