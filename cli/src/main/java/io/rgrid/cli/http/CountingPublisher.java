package io.rgrid.cli.http;

import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;

/** Wraps a body publisher to report how many bytes have gone out (for the upload progress line). */
final class CountingPublisher implements HttpRequest.BodyPublisher {

    private final HttpRequest.BodyPublisher delegate;
    private final ApiClient.Progress progress;

    private CountingPublisher(HttpRequest.BodyPublisher delegate, ApiClient.Progress progress) {
        this.delegate = delegate;
        this.progress = progress;
    }

    static HttpRequest.BodyPublisher wrap(HttpRequest.BodyPublisher delegate, ApiClient.Progress progress) {
        return new CountingPublisher(delegate, progress);
    }

    @Override
    public long contentLength() {
        return delegate.contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        long total = delegate.contentLength();
        delegate.subscribe(new Flow.Subscriber<>() {
            private long sent;

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscriber.onSubscribe(subscription);
            }

            @Override
            public void onNext(ByteBuffer item) {
                sent += item.remaining();
                subscriber.onNext(item);
                progress.sent(sent, total);
            }

            @Override
            public void onError(Throwable throwable) {
                subscriber.onError(throwable);
            }

            @Override
            public void onComplete() {
                subscriber.onComplete();
            }
        });
    }
}
