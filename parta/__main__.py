from parta.cli import main

main()
