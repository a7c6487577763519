from kolabora.cli import main

main()
