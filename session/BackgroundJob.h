#pragma once

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

class QThread;

namespace lx {

// One kind of slow work (a t-SNE map, another model's samples) run off the GUI thread, with
// progress and cancel: the Mandelbrot example's worker, as an object its controller owns.
// The work gets a Context to check for cancelling, to report progress and to hand results
// back; those run on the GUI thread, and only if this run was not cancelled meanwhile.
// Every exception stops in the thread and becomes `failed`. Destroying the job cancels the
// run and joins its thread, so work must check isCancelled() between its steps.
class BackgroundJob : public QObject {
    Q_OBJECT
public:
    class Context {
    public:
        bool isCancelled() const { return cancel_->load(); }
        const std::atomic<bool>* cancelFlag() const { return cancel_.get(); }
        void progress(double fraction);              // 0..1
        void deliver(std::function<void()> onGui); // runs on the GUI thread unless cancelled

    private:
        friend class BackgroundJob;
        BackgroundJob* job_ = nullptr;
        std::shared_ptr<std::atomic<bool>> cancel_;
    };
    using Work = std::function<void(Context&)>;

    explicit BackgroundJob(const QString& name, QObject* parent = nullptr);
    ~BackgroundJob() override;

    // Starts `work` unless a run is under way (then returns false and does nothing).
    bool start(Work work);
    void cancel(); // the run gives up at its next check; `finished` follows
    bool isRunning() const { return thread_ != nullptr; }

Q_SIGNALS:
    void progressed(double fraction);
    void failed(const QString& message);
    void finished(); // the run ended: done, cancelled or failed

private:
    QString name_;
    QThread* thread_ = nullptr;
    std::shared_ptr<std::atomic<bool>> cancel_;
};

} // namespace lx
