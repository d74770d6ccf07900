package io.understudy.api.event;

/**
 * Receives engine events. Called synchronously on the engine's thread, in order: implementations must be
 * quick and must not block; exceptions they throw are logged and otherwise ignored.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface EventListener {
    /**
     * Receives one event.
     *
     * @param event the event
     */
    void onEvent(UnderstudyEvent event);
}
