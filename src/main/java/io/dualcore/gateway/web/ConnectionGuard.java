package io.dualcore.gateway.web;

import io.dualcore.gateway.web.ConnectionLimits.CloseReason;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Ticker;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import reactor.netty.NettyPipeline;

/**
 * The deadlines of one HTTP/1.1 connection, and the problem body of the requests its HTTP server cannot parse.
 *
 * <p><b>Deadlines.</b> A connection is always in one phase: waiting for the first byte of a request (a new
 * connection: {@code header-read-timeout}; between requests: {@code keep-alive-timeout}), reading a request head
 * ({@code header-read-timeout} from its <em>first</em> byte, so a trickle cannot extend it), reading a body
 * ({@code body-read-timeout} between two reads) or waiting for the gateway's own response (no deadline). A missed
 * deadline closes the connection, after a 408 {@code request_timeout} when a request had started and no response
 * is under way (RFC 9110 §15.5.9). Cost: one timer per connection, which fires at least every
 * shortest-timeout to look at the phase and re-arms itself for the phase's deadline; a request only stores the time
 * of its reads and its phase changes (no task scheduled, nothing allocated).
 *
 * <p><b>Unparseable requests.</b> Netty's decoder answers a request it cannot parse with a bare 400 (or 414, 431),
 * and Spring's adapter a request-target that is not a URI with a bare 400; both without a body. The guard gives these
 * answers the problem body (codes {@code malformed_request}, {@code request_line_too_long},
 * {@code request_headers_too_large}, {@code invalid_request_target}) and {@code Connection: close}.
 *
 * <p>Two handlers share the state: {@link #bytesHandler()} before the HTTP codec sees the raw reads (a head starts
 * with its first byte), the guard itself after the codec sees the decoded requests and the responses.
 */
public final class ConnectionGuard extends ChannelDuplexHandler {

    /** The guard's name in the pipeline, right after the HTTP codec. */
    public static final String NAME = "dualcore.connectionGuard";

    /** The raw-read handler's name in the pipeline, right before the HTTP codec. */
    public static final String BYTES_NAME = "dualcore.connectionGuard.bytes";

    /** The longest the gateway gets to answer a request whose body timed out, before the guard answers itself. */
    private static final long ANSWER_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final long headerNanos;

    private final long bodyNanos;

    private final long keepAliveNanos;

    private final long tickNanos;

    private final ConnectionLimits limits;

    private final ProblemResponses problems;

    /** The event loop's clock, the one its timer runs on. */
    private Ticker clock;

    private ChannelHandlerContext ctx;

    private ScheduledFuture<?> timer;

    /** Whether a request was answered on this connection: the idle phase then has the keep-alive deadline. */
    private boolean answered;

    private long idleSince;

    private long lastRead;

    private boolean readingHead;

    private long headStart;

    private boolean readingBody;

    /** The request asked for {@code 100 Continue}, which has not been sent yet. */
    private boolean awaitingContinue;

    /** Requests decoded and not yet answered to the end. */
    private int inFlight;

    /** Whether the response of the oldest request in flight has started. */
    private boolean responding;

    private boolean decodeFailed;

    /** The request-target of the last request decoded, for the problem's {@code instance} and the URI check. */
    private String target;

    private boolean closing;

    /** A body timed out and the gateway was told: its answer (a 408) ends the connection, or the guard's own does. */
    private boolean closeAfterAnswer;

    private long answerDeadline;

    ConnectionGuard(ConnectionProperties properties, ConnectionLimits limits, ProblemResponses problems) {
        this.headerNanos = properties.headerReadTimeout().toNanos();
        this.bodyNanos = properties.bodyReadTimeout().toNanos();
        this.keepAliveNanos = properties.keepAliveTimeout().toNanos();
        this.tickNanos = Math.min(this.headerNanos, Math.min(this.bodyNanos, this.keepAliveNanos));
        this.limits = limits;
        this.problems = problems;
    }

    /** Adds a guard around the HTTP/1.1 codec of a pipeline that has one. */
    public static void install(
            ChannelPipeline pipeline,
            ConnectionProperties properties,
            ConnectionLimits limits,
            ProblemResponses problems) {
        ConnectionGuard guard = new ConnectionGuard(properties, limits, problems);
        pipeline.addBefore(NettyPipeline.HttpCodec, BYTES_NAME, guard.bytesHandler());
        pipeline.addAfter(NettyPipeline.HttpCodec, NAME, guard);
    }

    /** The handler to place before the HTTP codec: it tells the guard about each raw read. */
    ChannelInboundHandlerAdapter bytesHandler() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext context, Object msg) {
                bytesRead();
                context.fireChannelRead(msg);
            }
        };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        this.clock = context.executor().ticker();
        this.idleSince = this.clock.nanoTime();
        this.timer = context.executor().schedule(this::check, this.tickNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext context) {
        cancelTimer();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        cancelTimer();
        context.fireChannelInactive();
    }

    void bytesRead() {
        this.lastRead = this.clock.nanoTime();
        if (!this.readingHead && !this.readingBody) {
            this.readingHead = true;
            this.headStart = this.lastRead;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (msg instanceof HttpRequest request) {
            this.readingHead = false;
            this.inFlight++;
            this.target = request.uri();
            this.readingBody = !(msg instanceof LastHttpContent);
            // a client that asked to be told to go on sends nothing before the gateway's 100 Continue
            this.awaitingContinue = this.readingBody && HttpUtil.is100ContinueExpected(request);
        } else if (msg instanceof LastHttpContent) {
            this.readingBody = false;
        }
        if (msg instanceof DecoderResultProvider decoded
                && decoded.decoderResult().isFailure()) {
            this.decodeFailed = true;
        }
        context.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext context, Object msg, ChannelPromise promise) {
        if (this.closing) {
            // the connection timed out and is closing: nothing more goes out after the 408
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        if (this.closeAfterAnswer) {
            writeLastAnswer(context, msg, promise);
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                if (response.status().code() == HttpResponseStatus.CONTINUE.code() && this.awaitingContinue) {
                    this.awaitingContinue = false;
                    this.lastRead = this.clock.nanoTime();
                } else if (response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                    // a WebSocket (or other upgraded protocol) is not HTTP/1.1 any more: its own timeouts apply
                    detach(context);
                }
                context.write(msg, promise);
                return;
            }
            this.responding = true;
            ErrorCode code = unparseable(response);
            if (code != null) {
                writeProblem(context, response, code, promise);
                return;
            }
        }
        if (msg instanceof LastHttpContent) {
            answered();
        }
        context.write(msg, promise);
    }

    /** The gateway's answer to a request whose body timed out: with {@code Connection: close}, then the close. */
    private void writeLastAnswer(ChannelHandlerContext context, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            this.responding = true;
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (msg instanceof LastHttpContent) {
            this.closing = true;
            context.write(msg, promise.unvoid()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        context.write(msg, promise);
    }

    private void answered() {
        this.responding = false;
        this.awaitingContinue = false;
        this.answered = true;
        if (this.inFlight > 0) {
            this.inFlight--;
        }
        if (this.inFlight == 0) {
            this.idleSince = this.clock.nanoTime();
        }
    }

    /** The code of a bare error answer to a request the server could not parse, or {@code null}. */
    private ErrorCode unparseable(HttpResponse response) {
        int status = response.status().code();
        if ((status != 400 && status != 414 && status != 431) || !bare(response)) {
            return null;
        }
        if (this.decodeFailed) {
            return switch (status) {
                case 414 -> ErrorCode.REQUEST_LINE_TOO_LONG;
                case 431 -> ErrorCode.REQUEST_HEADERS_TOO_LARGE;
                default -> ErrorCode.MALFORMED_REQUEST;
            };
        }
        return (status == 400 && !isUri(this.target)) ? ErrorCode.INVALID_REQUEST_TARGET : null;
    }

    private static boolean bare(HttpResponse response) {
        return response instanceof FullHttpResponse full
                && full.content().readableBytes() == 0
                && !response.headers().contains(HttpHeaderNames.CONTENT_TYPE);
    }

    /**
     * Whether Spring's adapter can make a URI of the request-target, as {@code ReactorUriHelper} does: a scheme and
     * authority, then the target from its path on.
     */
    static boolean isUri(String target) {
        if (target == null) {
            return true;
        }
        String path = target;
        int scheme = target.indexOf("://");
        int end = firstOf(target, "/?#");
        if (scheme >= 0 && (end < 0 || scheme < end)) {
            int pathStart = firstOf(target.substring(scheme + 3), "/?#");
            path = (pathStart < 0) ? "" : target.substring(scheme + 3 + pathStart);
        }
        try {
            new URI("http://localhost" + path);
            return true;
        } catch (URISyntaxException ex) {
            return false;
        }
    }

    private static int firstOf(String text, String characters) {
        for (int i = 0; i < text.length(); i++) {
            if (characters.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private void writeProblem(
            ChannelHandlerContext context, HttpResponse original, ErrorCode code, ChannelPromise promise) {
        ReferenceCountUtil.release(original);
        String detail = switch (code) {
            case REQUEST_LINE_TOO_LONG -> "The request line is longer than the server reads";
            case REQUEST_HEADERS_TOO_LARGE -> "The request's header fields are larger than the server reads";
            case INVALID_REQUEST_TARGET -> "Invalid request target: not a URI";
            default -> "The request could not be parsed as HTTP/1.1";
        };
        this.closing = true;
        this.limits.closed(CloseReason.MALFORMED_REQUEST);
        context.write(problem(code, detail, null), promise.unvoid()).addListener(ChannelFutureListener.CLOSE);
    }

    private FullHttpResponse problem(ErrorCode code, String detail, String instance) {
        byte[] body = this.problems.body(code, detail, instance);
        FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code.status().value()), Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    /** Runs on the connection's event loop: acts on a missed deadline, or re-arms for the phase's next one. */
    void check() {
        this.timer = null;
        if (this.closing || !this.ctx.channel().isActive()) {
            return;
        }
        long now = this.clock.nanoTime();
        long deadline;
        if (this.closeAfterAnswer) {
            deadline = this.answerDeadline;
            if (now - deadline >= 0) {
                // the gateway did not answer the timed-out request in time: the guard's own 408, unless it started
                timeOut(null, !this.responding, path(this.target));
                return;
            }
        } else if (this.awaitingContinue) {
            // the body waits for the gateway's 100 Continue: no deadline of the client's
            deadline = now + this.tickNanos;
        } else if (this.readingBody) {
            deadline = this.lastRead + this.bodyNanos;
            if (now - deadline >= 0) {
                this.limits.closed(CloseReason.BODY_TIMEOUT);
                if (this.inFlight == 1 && !this.responding) {
                    // the request's own answer: the body's reader fails, the exchange answers 408 and records it
                    this.readingBody = false;
                    this.closeAfterAnswer = true;
                    this.answerDeadline = now + Math.min(this.tickNanos, ANSWER_GRACE_NANOS);
                    this.ctx.fireExceptionCaught(new RequestBodyTimeoutException());
                    deadline = this.answerDeadline;
                } else {
                    // an earlier pipelined response, or this request's own, is under way: only the close
                    timeOut(null, false, null);
                    return;
                }
            }
        } else if (this.readingHead) {
            deadline = this.headStart + this.headerNanos;
            if (now - deadline >= 0) {
                timeOut(CloseReason.HEADER_TIMEOUT, this.inFlight == 0, null);
                return;
            }
        } else if (this.inFlight == 0) {
            deadline = this.idleSince + (this.answered ? this.keepAliveNanos : this.headerNanos);
            if (now - deadline >= 0) {
                timeOut(this.answered ? CloseReason.KEEP_ALIVE_TIMEOUT : CloseReason.HEADER_TIMEOUT, false, null);
                return;
            }
        } else {
            // waiting for the gateway's own response: no deadline of the client's
            deadline = now + this.tickNanos;
        }
        // never armed further than the shortest timeout ahead, so a phase that starts meanwhile is never late
        long delay = Math.min(deadline - now, this.tickNanos);
        this.timer = this.ctx.executor().schedule(this::check, delay, TimeUnit.NANOSECONDS);
    }

    /**
     * @param reason the reason to count, or {@code null} when counted already
     * @param answer whether a 408 goes out before the close
     */
    private void timeOut(CloseReason reason, boolean answer, String instance) {
        if (reason != null) {
            this.limits.closed(reason);
        }
        if (answer) {
            String detail = (reason == null)
                    ? "The request body paused for longer than the server waits"
                    : "The request head did not arrive in time";
            FullHttpResponse response = problem(ErrorCode.REQUEST_TIMEOUT, detail, instance);
            this.closing = true;
            this.ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            this.closing = true;
            this.ctx.close();
        }
    }

    private static String path(String target) {
        if (target == null || !target.startsWith("/")) {
            return null;
        }
        int query = firstOf(target, "?#");
        return (query < 0) ? target : target.substring(0, query);
    }

    private void detach(ChannelHandlerContext context) {
        cancelTimer();
        ChannelPipeline pipeline = context.pipeline();
        if (pipeline.get(BYTES_NAME) != null) {
            pipeline.remove(BYTES_NAME);
        }
        pipeline.remove(this);
    }

    private void cancelTimer() {
        if (this.timer != null) {
            this.timer.cancel(false);
            this.timer = null;
        }
    }
}
