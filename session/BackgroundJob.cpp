#include "common/Error.h"

#include <c10/util/Exception.h>

#include "session/BackgroundJob.h"

#include <QPointer>
#include <QThread>

namespace lx {

void BackgroundJob::Context::progress(double fraction)
{
    QMetaObject::invokeMethod(
        job_,
        [job = job_, cancel = cancel_, fraction] {
            if (!cancel->load())
                Q_EMIT job->progressed(fraction);
        },
        Qt::QueuedConnection);
}

void BackgroundJob::Context::deliver(std::function<void()> onGui)
{
    // Queued to the job's own object: dropped if the job is gone, skipped if cancelled.
    QMetaObject::invokeMethod(
        job_,
        [cancel = cancel_, onGui = std::move(onGui)] {
            if (!cancel->load())
                onGui();
        },
        Qt::QueuedConnection);
}

BackgroundJob::BackgroundJob(const QString& name, QObject* parent) : QObject(parent), name_(name) {}

BackgroundJob::~BackgroundJob()
{
    cancel();
    if (thread_) {
        thread_->wait();
        delete thread_;
    }
}

bool BackgroundJob::start(Work work)
{
    if (thread_)
        return false;
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    Context context;
    context.job_ = this;
    context.cancel_ = cancel_;
    thread_ = QThread::create([this, context, work = std::move(work)]() mutable {
        try {
            work(context);
        } catch (const Cancelled&) {
        } catch (const c10::Error& e) {
            QMetaObject::invokeMethod(
                this, [this, m = QString::fromStdString(e.what_without_backtrace())] { Q_EMIT failed(m); },
                Qt::QueuedConnection);
        } catch (const std::exception& e) {
            QMetaObject::invokeMethod(this, [this, m = QString::fromStdString(e.what())] { Q_EMIT failed(m); },
                                      Qt::QueuedConnection);
        } catch (...) {
            QMetaObject::invokeMethod(this, [this] { Q_EMIT failed(tr("%1 failed").arg(name_)); }, Qt::QueuedConnection);
        }
    });
    thread_->setObjectName(name_);
    connect(thread_, &QThread::finished, this, [this, thread = thread_] {
        if (thread_ != thread)
            return;
        thread_->deleteLater();
        thread_ = nullptr;
        Q_EMIT finished();
    });
    thread_->start(QThread::LowPriority);
    return true;
}

void BackgroundJob::cancel()
{
    if (cancel_)
        cancel_->store(true);
}

} // namespace lx
