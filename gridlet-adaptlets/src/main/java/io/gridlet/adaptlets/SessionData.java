package io.gridlet.adaptlets;

import java.util.concurrent.ConcurrentHashMap;

/** The session-scoped data on one end of a session, by typed key. Thread-safe: calls of a session run at once. */
public final class SessionData {
    private final ConcurrentHashMap<DataSlot<?>, Object> values = new ConcurrentHashMap<>();

    @SuppressWarnings("unchecked")
    public <T> T get(DataSlot<T> key) {
        return (T) values.get(check(key));
    }

    public <T> void put(DataSlot<T> key, T value) {
        if (value == null) values.remove(check(key));
        else values.put(check(key), value);
    }

    /** Takes the value out, so that exactly one caller gets it. */
    @SuppressWarnings("unchecked")
    public <T> T take(DataSlot<T> key) {
        return (T) values.remove(check(key));
    }

    private static DataSlot<?> check(DataSlot<?> key) {
        if (key.scope() != DataSlot.Scope.SESSION) throw new IllegalArgumentException(key + " is not session data");
        return key;
    }
}
