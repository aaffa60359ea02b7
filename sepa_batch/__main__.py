from sepa_batch.cli import main

main()
