import pytest

from glassnet.recipes import RECIPES, XOR_TUTORIAL, recipe_for


def test_options_replace_only_what_is_given():
    recipe = recipe_for("mnist").with_options(epochs=5, lr=None, batch_size=64)
    assert (recipe.epochs, recipe.batch_size) == (5, 64)
    assert recipe.lr == RECIPES["mnist"].lr and recipe.hidden == (200, 200)


def test_the_tutorial_recipe_is_the_xor_walkthrough():
    assert recipe_for("xor-table") is XOR_TUTORIAL
    assert XOR_TUTORIAL.hidden == (3,) and XOR_TUTORIAL.activation == "sigmoid"
    assert (XOR_TUTORIAL.output, XOR_TUTORIAL.loss, XOR_TUTORIAL.init) == (
        "sigmoid", "mse", "fan_in_uniform",
    )  # fmt: skip
    assert XOR_TUTORIAL.l2 > 0 and XOR_TUTORIAL.batch_size is None


def test_csv_paths_and_unknown_names():
    assert recipe_for("some/table.CSV").standardize
    with pytest.raises(ValueError, match="did you mean 'spirals'"):
        recipe_for("spiralz")


def test_recipes_serialise_to_plain_data():
    data = recipe_for("digits").to_dict()
    assert data["hidden"] == [128] and isinstance(data["lr"], float)
