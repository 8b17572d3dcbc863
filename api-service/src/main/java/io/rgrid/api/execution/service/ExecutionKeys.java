package io.rgrid.api.execution.service;

import io.rgrid.model.storage.StorageKeys;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Where a new execution's files go in the bucket ({@link StorageKeys}).
 *
 * @param script       the script's key
 * @param inputs       each input's file name and key, in the order sent
 * @param requirements the requirements' key, or null when it has none
 */
record ExecutionKeys(String script, Map<String, String> inputs, String requirements) {

    static ExecutionKeys of(UUID id, Collection<String> inputNames, boolean requirements) {
        Map<String, String> inputs = new LinkedHashMap<>();
        for (String name : inputNames) {
            inputs.put(name, StorageKeys.input(id, name));
        }
        return new ExecutionKeys(StorageKeys.script(id), inputs, requirements ? StorageKeys.requirements(id) : null);
    }
}
