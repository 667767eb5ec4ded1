package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctionContract;

class HsiehHashContractTest extends HashFunctionContract {
    @Override
    protected HashFunction function() {
        return new HsiehHash();
    }

    @Override
    protected String expectedName() {
        return "hsieh";
    }
}
