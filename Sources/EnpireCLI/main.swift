// The `enpire` executable: the commands are in the EnpireCommands library (testable, and reusable by a lab that
// builds its own `enpire` with its own tasks registered in `TaskRegistry.shared` before this call).
import EnpireCommands

await EnpireTool.main()
