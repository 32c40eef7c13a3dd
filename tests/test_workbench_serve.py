from bidgraph.cli import main


def test_serve_refuses_to_run_without_login_unless_asked(tmp_path, capsys):
    assert main(["--workspace", str(tmp_path), "serve"]) == 2
    assert "--no-auth" in capsys.readouterr().err


def test_serve_on_an_empty_workspace_says_what_to_do(tmp_path, capsys):
    assert main(["--workspace", str(tmp_path / "empty"), "serve", "--no-auth", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "no loaded graph" in err and "bidgraph load" in err and "Traceback" not in err


def test_serve_help_explains_every_flag_in_both_languages(capsys):
    try:
        main(["serve", "--help"])
    except SystemExit:
        pass
    out = capsys.readouterr().out
    for flag, zh in (("--host", "监听地址"), ("--port", "端口"), ("--no-auth", "不启用登录"), ("--lang", "界面语言")):
        assert flag in out and zh in out
