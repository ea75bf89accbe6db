from dateline.cli import cli

cli(prog_name="dateline")
