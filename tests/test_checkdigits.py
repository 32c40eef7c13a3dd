from bidgraph.loaders.checkdigits import idcard_check_char, idcard_valid, uscc_check_char, uscc_valid


def test_published_uscc_examples():
    # The example code of GB 32100-2015.
    assert uscc_valid("91350100M000100Y43")
    assert not uscc_valid("91350100M000100Y44")
    assert not uscc_valid("91350100M000100Y4")  # too short
    assert not uscc_valid("91350100M0001O0Y43")  # letter O is not in the alphabet


def test_uscc_check_char_roundtrip():
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_idcard_examples():
    # The worked example of GB 11643-1999.
    assert idcard_check_char("11010519491231002") == "X"
    assert idcard_valid("11010519491231002X")
    assert idcard_valid("11010519491231002x")
    assert not idcard_valid("110105194912310021")
    assert not idcard_valid("1101051949123100")
