package io.understudy.examples.fileservice;

import java.text.MessageFormat;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;

/** A System.Logger that keeps what it is told, so tests can assert on warnings. */
final class RecordingLogger implements System.Logger {

    record Entry(Level level, String message) {
    }

    final List<Entry> entries = new CopyOnWriteArrayList<>();

    @Override
    public String getName() {
        return "recording";
    }

    @Override
    public boolean isLoggable(Level level) {
        return true;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        entries.add(new Entry(level, msg));
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        entries.add(new Entry(level, params == null || params.length == 0 ? format : MessageFormat.format(format, params)));
    }

    List<String> at(Level level) {
        return entries.stream().filter(e -> e.level() == level).map(Entry::message).toList();
    }
}
