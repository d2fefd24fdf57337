public import EnpireResearch
import EnpireSim

extension PushTResearchTask {
    /// The planner's cost weights as Python code, with the angle weighed separately near the goal (the same weight as
    /// the baseline's until an agent changes it).
    public var codeTemplate: PolicyCodeTemplate {
        let goal = PushTGeometry.goalPose
        return .python(task: name, name: "pusht-code", features: """
          pusht.state           [agent x, agent y, block x, block y, block angle] (px, rad)
          pusht.agent_velocity  [vx, vy] (px/s)
          pusht.coverage        [goal coverage] (simulation only)
          pusht.keypoints       the T's 8 hull vertices [x0, y0, ..., x7, y7]
        """, privilege: PolicyCodeTemplate.privilege(of: self), body: """
        # The planner's cost weights, as code (ranges: `enpire tasks`).
        \(PolicyCodeTemplate.pythonDictionary("RECIPE", baseline.parameters))

        # Near the goal the T's angle matters more than its position: within NEAR_GOAL px of the goal the planner
        # weighs the angle with NEAR_GOAL_ANGLE_WEIGHT (the baseline's angleWeight: no difference yet).
        GOAL = (\(goal.x), \(goal.y))
        NEAR_GOAL = 60.0
        NEAR_GOAL_ANGLE_WEIGHT = RECIPE["angleWeight"]


        def reset():
            pass


        def act(observation):
            agent_x, agent_y, block_x, block_y, block_angle = observation["features"]["pusht.state"]
            recipe = dict(RECIPE)
            if math.hypot(block_x - GOAL[0], block_y - GOAL[1]) < NEAR_GOAL:
                recipe["angleWeight"] = NEAR_GOAL_ANGLE_WEIGHT
            return {"recipe": recipe}
        """)
    }
}

extension PinResearchTask {
    /// The force-aware expert's parameters as Python code.
    public var codeTemplate: PolicyCodeTemplate {
        .python(task: name, name: "pin-code", features: """
          pin.hole_pose   estimated hole mouth [x mm, y mm, angle rad] (biased up to 0.4 mm in x)
          pin.force       contact force on the pin [fx, fy] (N)
          pin.pin_pose    pin centre [x mm, y mm, angle rad] (simulation only)
          pin.insertion   [depth mm, lateral offset mm, angle error rad] in the hole frame (simulation only)
        """, privilege: PolicyCodeTemplate.privilege(of: self), body: PolicyCodeTemplate.recipeBody(baseline.parameters))
    }
}

extension ZipTieResearchTask {
    /// The bimanual expert's parameters as Python code.
    public var codeTemplate: PolicyCodeTemplate {
        .python(task: name, name: "ziptie-code", features: """
          ziptie.anchor    [x mm, y mm, direction rad]
          ziptie.free_end  [x mm, y mm]
          ziptie.mark      cut mark [x mm, y mm, tie direction rad]
          ziptie.stretch   [free-end distance over tie length, pull on the free end N]
          ziptie.grasped   [1 if the left gripper holds the free end]
          ziptie.cut       [1 if cut, distance from the mark to the blade line mm or -1]
        """, privilege: PolicyCodeTemplate.privilege(of: self), body: PolicyCodeTemplate.recipeBody(baseline.parameters))
    }
}
