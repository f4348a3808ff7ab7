from deepto_cli import app

app()
