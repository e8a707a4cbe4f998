"""
Three spirals with Adam and early stopping
==========================================

Three interleaved spiral arms, one per class, learned by a ReLU network with Adam."""

from glassnet import Adam, EarlyStopping, evaluate, fit, mlp
from glassnet.datasets import spirals

X, y = spirals(1500, n_classes=3, noise=0.2, seed=0)
X_test, y_test = X[1200:], y[1200:]  # held out: never seen in training or validation
X, y = X[:1200], y[:1200]

network = mlp([2, 64, 64, 3], activation="relu", seed=0)
print(network.summary())
history = fit(
    network, X, y, loss="cross_entropy", optimizer=Adam(0.01), epochs=300, batch_size=32,
    validation_fraction=0.2, callbacks=[EarlyStopping("val_accuracy", patience=30)], seed=0,
)  # fmt: skip
test_accuracy = evaluate(network, "cross_entropy", X_test, y_test)["accuracy"]
print(f"best epoch {history.best_epoch + 1} of {history.epochs}; test accuracy {test_accuracy:.1%}")
