package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctionContract;

class JenkinsHashContractTest extends HashFunctionContract {
    @Override
    protected HashFunction function() {
        return new JenkinsHash();
    }

    @Override
    protected String expectedName() {
        return "jenkins";
    }
}
