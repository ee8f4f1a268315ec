from warden.entrypoints.cli.main import main

main()
